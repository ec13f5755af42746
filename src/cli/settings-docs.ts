// `npm run settings:docs`: writes the configuration table of README.md (between the settings-table
// markers) and .env.example from the settings slices (src/*/settings.ts). A test fails when either is
// not current, so a setting cannot be added without being documented.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { envExample, withSettingsTable } from './settings-table.js';
import { SETTINGS } from '../config.js';

const slices = Object.values(SETTINGS);
const readmeFile = path.join(projectRoot, 'README.md');
const envFile = path.join(projectRoot, '.env.example');
const readme = fs.readFileSync(readmeFile, 'utf8');
const nextReadme = withSettingsTable(readme, slices);
const nextEnv = envExample(slices);
if (nextReadme !== readme) fs.writeFileSync(readmeFile, nextReadme);
if (nextEnv !== fs.readFileSync(envFile, 'utf8')) fs.writeFileSync(envFile, nextEnv);
console.log(
  nextReadme === readme && nextEnv === fs.readFileSync(envFile, 'utf8')
    ? 'README.md and .env.example are current'
    : 'Wrote the settings table and .env.example',
);
