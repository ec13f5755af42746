-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "routingKeys" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "Connection_routingKeys_idx" ON "Connection" USING GIN ("routingKeys");

-- Backfill: the routing targets of the catalog's providers (as of this migration) and of integrations'
-- own declarations, read from each connection's metadata as the application writes them.
UPDATE "Connection" c SET "routingKeys" = k."keys"
FROM (
  SELECT c2."id", array_agg(DISTINCT t."target" || '=' || (c2."metadata" #>> t."path") ORDER BY t."target" || '=' || (c2."metadata" #>> t."path")) AS "keys"
  FROM "Connection" c2
  JOIN "Integration" i ON i."id" = c2."integrationId"
  CROSS JOIN LATERAL (
    SELECT targets."target",
      CASE WHEN split_part(targets."target", '.', 1) = 'connectionConfig' THEN string_to_array(targets."target", '.')
           ELSE (string_to_array(targets."target", '.'))[2:] END AS "path"
    FROM (
      SELECT unnest(ARRAY[
        'metadata.installationId', 'metadata.connectionConfig.tenant', 'metadata.account_sid', 'metadata.team_id',
        'metadata.organization_id', 'metadata.linear.data.organization.id', 'metadata.account.portalId', 'metadata.me.app.id_code',
        'metadata.stripe_user_id', 'connectionConfig.shop', 'metadata.account_id', 'metadata.user.account_id', 'metadata.owner'
      ]) AS "target"
      UNION
      SELECT r->>'to' FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(i."settings"->'providerWebhooks'->'route') = 'array' THEN i."settings"->'providerWebhooks'->'route' ELSE '[]'::jsonb END
      ) AS r
    ) targets
    WHERE targets."target" IS NOT NULL
  ) t
  WHERE jsonb_typeof(c2."metadata" #> t."path") IN ('string', 'number')
    AND length(c2."metadata" #>> t."path") BETWEEN 1 AND 500
  GROUP BY c2."id"
) k
WHERE c."id" = k."id";
