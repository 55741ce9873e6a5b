import type { BuildOptions } from 'esbuild';

/** The settings every Node bundle of the workspace shares. */
export declare const NODE_BUNDLE: BuildOptions;
/** Makes the bundle an executable script. */
export declare const SHEBANG: BuildOptions;
/** esbuild options bundling `entry` into `outfile` (absolute, or relative to the workspace root). */
export declare function nodeBundle(entry: string, outfile: string, extra?: BuildOptions): BuildOptions;
