// The generated documents are strings (a fraction of the bundle an AST takes); urql wants a parsed
// document to key its cache, so each is parsed once, with urql's own small parser, keeping its types.
import { gql, type AnyVariables, type TypedDocumentNode } from 'urql';

/** What the generated TypedDocumentString carries: its result and variables types. */
interface TypedSource<Result, Variables> {
  __apiType?: (variables: Variables) => Result;
}

export function parsed<Result, Variables extends AnyVariables>(source: TypedSource<Result, Variables>): TypedDocumentNode<Result, Variables> {
  return gql(String(source)) as TypedDocumentNode<Result, Variables>;
}
