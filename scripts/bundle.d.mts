// The types of scripts/bundle.mjs, for test/global-setup.ts.
export declare const ACTIONS: string[];

/** The files of an action's dist/ folder, by name, built from the source. */
export declare function buildAction(action: string): Promise<Map<string, string | Uint8Array>>;

/** Builds every action into `<folder>/<name>/dist`, replacing what was there; returns the files by action. */
export declare function buildActions(folder: string): Promise<Map<string, Map<string, string | Uint8Array>>>;

/** Where the published package's `gitops-promotion` program is built (package.json `bin`). */
export declare const CLI_BUNDLE: string;

/** Builds the `gitops-promotion` program, one ES module with its dependencies, into `file`. */
export declare function buildCli(file?: string): Promise<string>;
