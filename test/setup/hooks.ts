// Mocha root hooks shared by every test file (loaded through .mocharc.json).
export const mochaHooks = {};
