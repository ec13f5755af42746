// The SDK's types and documents, from the committed schema.graphql and src/operations.graphql:
// `npm run sdk:codegen`. test/unit/codegen.test.ts fails when the output is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['packages/node/src/operations.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'packages/node/src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
      config: {
        // Documents as plain strings: the SDK sends them with fetch and needs no `graphql` at run time.
        documentMode: 'string',
        onlyOperationTypes: true,
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        scalars: {
          DateTime: 'string',
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};
export default config;
