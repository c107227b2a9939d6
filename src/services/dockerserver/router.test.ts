import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildRouter } from "./router.ts";

describe("router", () => {
  const router = buildRouter();
  it("routes container names that hold slashes, as the engine's {name:.*} does", () => {
    const inspect = router.find("GET", "/containers/a/talker/json");
    assert.equal(inspect?.params.id, "a/talker");
    const logs = router.find("GET", "/containers/a/b/c/logs?stdout=1");
    assert.equal(logs?.params.id, "a/b/c");
    assert.equal(logs?.query.stdout, "1");
    assert.equal(router.find("DELETE", "/containers/a/talker?force=1")?.params.id, "a/talker");
    assert.equal(router.find("POST", "/containers/a/talker/start")?.params.id, "a/talker");
  });
  it("leaves plain names and unknown paths alone", () => {
    assert.equal(router.find("GET", "/containers/talker/json")?.params.id, "talker");
    assert.equal(router.find("GET", "/containers/a/talker/nosuchaction"), undefined);
    assert.equal(router.find("GET", "/nothing/here"), undefined);
  });
});
