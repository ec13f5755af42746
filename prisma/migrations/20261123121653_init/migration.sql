-- CreateEnum
CREATE TYPE "AuthType" AS ENUM ('OAUTH2', 'API_KEY', 'BASIC');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('HEALTHY', 'EXPIRED', 'ERROR', 'DISCONNECTED');

-- CreateTable
CREATE TABLE "Integration" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "authType" "AuthType" NOT NULL DEFAULT 'OAUTH2',
    "clientId" TEXT,
    "clientSecretEnc" TEXT,
    "scopes" TEXT[],
    "authorizationUrl" TEXT,
    "tokenUrl" TEXT,
    "revocationUrl" TEXT,
    "userinfoUrl" TEXT,
    "issuer" TEXT,
    "apiBaseUrl" TEXT,
    "isShared" BOOLEAN NOT NULL DEFAULT false,
    "logoUrl" TEXT,
    "authorizationParams" JSONB NOT NULL DEFAULT '{}',
    "tokenEndpointAuthMethod" TEXT,
    "ownerCanReadCredentials" BOOLEAN NOT NULL DEFAULT false,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Integration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL,
    "integrationId" TEXT NOT NULL,
    "ownerId" TEXT,
    "ownerKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'HEALTHY',
    "statusMessage" TEXT,
    "scopes" TEXT[],
    "tokenExpiresAt" TIMESTAMP(3),
    "refreshTokenExpiresAt" TIMESTAMP(3),
    "lastAuthorizedAt" TIMESTAMP(3),
    "lastRefreshedAt" TIMESTAMP(3),
    "apiBaseUrl" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "sequence" INTEGER NOT NULL DEFAULT 1,
    "credentialsEnc" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PendingAuthorization" (
    "id" TEXT NOT NULL,
    "stateHash" TEXT NOT NULL,
    "codeVerifierEnc" TEXT NOT NULL,
    "nonce" TEXT,
    "viewerId" TEXT NOT NULL,
    "integrationId" TEXT NOT NULL,
    "connectionName" TEXT NOT NULL,
    "scopes" TEXT[],
    "redirectTo" TEXT,
    "connectionConfig" JSONB NOT NULL DEFAULT '{}',
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "consumedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PendingAuthorization_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Integration_slug_key" ON "Integration"("slug");

-- CreateIndex
CREATE INDEX "Connection_ownerKey_idx" ON "Connection"("ownerKey");

-- CreateIndex
CREATE INDEX "Connection_tokenExpiresAt_idx" ON "Connection"("tokenExpiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_integrationId_ownerKey_name_key" ON "Connection"("integrationId", "ownerKey", "name");

-- CreateIndex
CREATE UNIQUE INDEX "PendingAuthorization_stateHash_key" ON "PendingAuthorization"("stateHash");

-- CreateIndex
CREATE INDEX "PendingAuthorization_expiresAt_idx" ON "PendingAuthorization"("expiresAt");

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PendingAuthorization" ADD CONSTRAINT "PendingAuthorization_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;
