// The library's browser entry (package.json exports "." condition "browser"): the shared surface of src/api/index.ts;
// scenarios and checkpoints come in as JSON objects and bytes (a page reads no files by path).
export * from './api/index.js';
