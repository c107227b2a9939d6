import { allFixtures } from "./fixtures.ts";
import { transportSuite } from "./suite.ts";

// One suite, every transport, and the in-process pipe as the reference (docs/transport.md §9).
for (const f of allFixtures) transportSuite(f);
