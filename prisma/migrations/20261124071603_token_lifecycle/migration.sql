-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "hasRefreshToken" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "nextRefreshAt" TIMESTAMP(3),
ADD COLUMN     "refreshFailures" INTEGER NOT NULL DEFAULT 0;
