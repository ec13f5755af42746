-- AlterTable
ALTER TABLE "Integration" ADD COLUMN     "mcpServerUrl" TEXT;
