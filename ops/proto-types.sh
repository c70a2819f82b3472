#!/usr/bin/env bash
# Generates the TypeScript types of proto/*.proto into proto/gen/ (committed; a component test
# checks they match the .proto files). Run after any change to a .proto file.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-proto/gen}
rm -rf "$out"
npx proto-loader-gen-types --keepCase --longs=Number --enums=String --defaults --oneofs \
  --grpcLib=@grpc/grpc-js --outDir="$out" proto/dtp.proto proto/peer.proto >/dev/null
# NodeNext resolution needs explicit extensions on relative imports.
find "$out" -name '*.ts' -exec sed -i -E "s#from '(\.\.?/[^']+)'#from '\1.js'#" {} +
