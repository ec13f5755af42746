// `npm run settings:docs`: writes the settings tables of docs/configuration.md (between the settings-table
// markers) and .env.example from the settings slices (src/*/settings.ts). A test fails when either is
// not current, so a setting cannot be added without being documented.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { pagePath, SETTINGS_PAGE } from './generated-docs.js';
import { envExample, withSettingsTable } from './settings-table.js';
import { SETTINGS } from '../config.js';

const slices = Object.values(SETTINGS);
const pageFile = pagePath(SETTINGS_PAGE);
const envFile = path.join(projectRoot, '.env.example');
const page = fs.readFileSync(pageFile, 'utf8');
const nextPage = withSettingsTable(page, slices);
const nextEnv = envExample(slices);
const env = fs.readFileSync(envFile, 'utf8');
if (nextPage !== page) fs.writeFileSync(pageFile, nextPage);
if (nextEnv !== env) fs.writeFileSync(envFile, nextEnv);
console.log(
  nextPage === page && nextEnv === env ? `${SETTINGS_PAGE} and .env.example are current` : `Wrote the settings tables in ${SETTINGS_PAGE} and .env.example`,
);
