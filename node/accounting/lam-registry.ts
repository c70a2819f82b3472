/** Provisioned LAMs (table `lam`), cached briefly so a Hello does not always cost a query. */
import type { Database } from '../replication/database.js';

export interface ProvisionedLam {
  lamId: string;
  description: string;
  enabled: boolean;
}

export class LamRegistry {
  private cache: { at: number; enabled: Set<string> } | undefined;

  constructor(
    private readonly db: Database,
    private readonly cacheMs = 2000,
  ) {}

  async isKnown(lamId: string): Promise<boolean> {
    if (!this.cache || Date.now() - this.cache.at > this.cacheMs) {
      const rows = await this.db.query<{ lam_id: string }[]>('SELECT lam_id FROM lam WHERE enabled');
      this.cache = { at: Date.now(), enabled: new Set(rows.map((r) => r.lam_id)) };
    }
    return this.cache.enabled.has(lamId);
  }

  async add(lamId: string, description = ''): Promise<void> {
    await this.db.query(
      'INSERT INTO lam (lam_id, description, enabled) VALUES (?, ?, TRUE) ON DUPLICATE KEY UPDATE description = VALUES(description), enabled = TRUE',
      [lamId, description],
    );
    this.cache = undefined;
  }

  async disable(lamId: string): Promise<boolean> {
    const res = await this.db.query<{ affectedRows: number }>(
      'UPDATE lam SET enabled = FALSE WHERE lam_id = ?',
      [lamId],
    );
    this.cache = undefined;
    return res.affectedRows > 0;
  }

  async list(): Promise<ProvisionedLam[]> {
    const rows = await this.db.query<{ lam_id: string; description: string; enabled: number }[]>(
      'SELECT lam_id, description, enabled FROM lam ORDER BY lam_id',
    );
    return rows.map((r) => ({ lamId: r.lam_id, description: r.description, enabled: Boolean(r.enabled) }));
  }
}
