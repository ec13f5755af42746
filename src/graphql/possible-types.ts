// possibleTypes for Apollo Client's InMemoryCache: every union and interface with the object types
// that can stand for it. Without it Apollo cannot match fragments such as `... on Error` and
// silently leaves their fields undefined. Served on GET /graphql/possible-types.json.
import { isInterfaceType, isUnionType, type GraphQLSchema } from 'graphql';

export function possibleTypesOf(schema: GraphQLSchema): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isUnionType(type) || isInterfaceType(type)) {
      result[type.name] = schema
        .getPossibleTypes(type)
        .map((possible) => possible.name)
        .sort();
    }
  }
  return result;
}
