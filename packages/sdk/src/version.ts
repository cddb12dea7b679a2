/** Kept equal to package.json's version (a test checks): it is sent as context.library.version. */
export const VERSION = '0.1.0';
export const LIBRARY_NAME = '@siyu/sdk';
