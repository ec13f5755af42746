-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "AuthType" ADD VALUE 'OAUTH2_CLIENT_CREDENTIALS';
ALTER TYPE "AuthType" ADD VALUE 'JWT_BEARER';
ALTER TYPE "AuthType" ADD VALUE 'GITHUB_APP';
ALTER TYPE "AuthType" ADD VALUE 'OAUTH1';

-- AlterTable
ALTER TABLE "Integration" ADD COLUMN     "appId" TEXT,
ADD COLUMN     "privateKeyEnc" TEXT,
ADD COLUMN     "requestTokenUrl" TEXT;
