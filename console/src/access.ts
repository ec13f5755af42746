// What the signed-in key may do, from viewer { isAdmin scopes } and the server's own table of which
// scope each root field needs (src/graphql/root-field-rules.ts, shared, so the two cannot drift):
// pages it cannot use are hidden from the nav, and actions it cannot perform are disabled with the reason.
import { createContext, useContext } from 'react';
import { ROOT_FIELD_RULES, type RootFieldRule } from '../../src/graphql/root-field-rules';

export interface Access {
  isAdmin: boolean;
  scopes: readonly string[];
}

type Rules = typeof ROOT_FIELD_RULES;
export type RootField = { [Type in 'Query' | 'Mutation']: `${Type}.${keyof Rules[Type] & string}` }['Query' | 'Mutation'];

function ruleOf(field: RootField): RootFieldRule {
  const [type, name] = field.split('.') as ['Query' | 'Mutation', string];
  return (ROOT_FIELD_RULES[type] as Record<string, RootFieldRule>)[name]!;
}

/** Why the key may not use `field`, in words; undefined when it may (or while access is not known yet). */
export function refusalOf(access: Access | undefined, field: RootField): string | undefined {
  if (!access) return undefined;
  const rule = ruleOf(field);
  if (rule.anyOf.length && !rule.anyOf.some((scope) => access.scopes.includes(scope))) {
    return `This key lacks the ${rule.anyOf.join(' or ')} scope${rule.admin ? ' (and must act for no user)' : ''}.`;
  }
  if (rule.admin && !access.isAdmin) return 'This key acts for one user: only an admin (a key acting for no user) may do this.';
  return undefined;
}

export const AccessContext = createContext<Access | undefined>(undefined);

/** The reason the signed-in key may not use `field`, or undefined. */
export function useRefusal(field: RootField): string | undefined {
  return refusalOf(useContext(AccessContext), field);
}
