-- AlterTable
ALTER TABLE "ConnectSession" ADD COLUMN     "tags" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "displayNameSource" TEXT,
ADD COLUMN     "providerAccountId" TEXT;

-- Until now only updateConnection set a display name: those belong to the app.
UPDATE "Connection" SET "displayNameSource" = 'app' WHERE "displayName" IS NOT NULL;
