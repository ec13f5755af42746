-- Issue 22: what an admin did with a bare API key was owned by the user id "api-key", an id a user
-- could carry too (a JWT sub). It moves to Switchboard's reserved namespace, "switchboard:api-key",
-- which no user id may take. Each statement uses an index on the owner column (Operation: ownerId).

-- A connection whose name is already taken under the new id (a user once called "switchboard:api-key")
-- keeps the old owner: admins still see it, and no user can any longer claim either id.
UPDATE "Connection" SET "ownerId" = 'switchboard:api-key', "ownerKey" = 'switchboard:api-key'
WHERE "ownerId" = 'api-key'
  AND NOT EXISTS (
    SELECT 1 FROM "Connection" AS "taken"
    WHERE "taken"."integrationId" = "Connection"."integrationId" AND "taken"."ownerKey" = 'switchboard:api-key' AND "taken"."name" = "Connection"."name"
  );

UPDATE "Operation" SET "ownerId" = 'switchboard:api-key' WHERE "ownerId" = 'api-key';

UPDATE "PendingAuthorization" SET "viewerId" = 'switchboard:api-key' WHERE "viewerId" = 'api-key';

UPDATE "ConnectSession" SET "createdBy" = 'switchboard:api-key' WHERE "createdBy" = 'api-key';
