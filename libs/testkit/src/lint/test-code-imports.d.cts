import type { Linter } from 'eslint';

/** The globs of test code: spec files, test/ folders, the test kit and the harness tools. */
export declare const TEST_CODE: string[];
/** The ESLint block that refuses test-code imports everywhere else. */
export declare const testCodeImports: Linter.Config;
