-- AlterEnum: self-signed JWTs (Apple-style developer tokens) and two-step token requests.
ALTER TYPE "AuthType" ADD VALUE 'SELF_SIGNED_JWT';
ALTER TYPE "AuthType" ADD VALUE 'TWO_STEP';
