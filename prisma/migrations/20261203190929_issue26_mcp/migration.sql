-- CreateEnum
CREATE TYPE "ConnectSessionPurpose" AS ENUM ('CONNECT', 'AGENT');

-- AlterTable
ALTER TABLE "ConnectSession" ADD COLUMN     "purpose" "ConnectSessionPurpose" NOT NULL DEFAULT 'CONNECT';

-- AlterTable
ALTER TABLE "Operation" ADD COLUMN     "tool" TEXT;
