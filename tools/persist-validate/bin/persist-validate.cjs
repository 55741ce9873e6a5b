#!/usr/bin/env node
// The `persist-validate` bin, the old name of `persistctl validate`: runs its TypeScript entry
// through tsx (a dev dependency of this workspace) with the workspace tsconfig, so the
// @persistd/* path aliases resolve from any cwd.
'use strict';
const path = require('node:path');

process.env.TSX_TSCONFIG_PATH ??= path.join(__dirname, '..', '..', '..', 'tsconfig.json');
require('tsx/cjs/api').register();
require('../../persistctl/src/persist-validate.ts');
