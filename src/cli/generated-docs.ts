// The docs pages whose tables are generated from the code, each between its own markers: the
// settings (npm run settings:docs), the provider catalog (npm run catalog:readme) and the layout of
// src/ (npm run layout:docs). Tests check that each page is current.
import path from 'node:path';
import { projectRoot } from '../paths.js';

export const SETTINGS_PAGE = 'docs/configuration.md';
export const PROVIDERS_PAGE = 'docs/providers.md';
export const LAYOUT_PAGE = 'docs/internals.md';

export const pagePath = (page: string): string => path.join(projectRoot, page);
