import assert from "node:assert/strict";
import { test } from "node:test";
import { inspectDoc } from "./fixtures.ts";
import { commandText, containerSummary, statusText } from "./summary.ts";
import { ZERO_TIME } from "./time.ts";

const at = (s: string) => Date.parse(s);

test("a summary has the fields and values of the engine's ps -a (trace §2.4)", () => {
  const s = containerSummary(inspectDoc(), { now: at("2026-11-23T01:38:16Z") });
  assert.deepEqual(s, {
    Id: "751e37cb8158d1a4a810fc46479cbd2e2d5a753390ada82f93acee01515e2fde",
    Names: ["/sleeper"],
    Image: "busybox:local",
    ImageID: "sha256:88962ef7e697f06e4f7d6cbd84eb17b6e91853413598522770334146209d6f4f",
    Command: "sleep 300",
    Created: 1795397703,
    Ports: [],
    Labels: {},
    State: "exited",
    Status: "Exited (137) 3 minutes ago",
    HostConfig: { NetworkMode: "none" },
    NetworkSettings: { Networks: { none: { NetworkID: "3898" } } },
    Mounts: [],
  });
});

test("status text follows the state", () => {
  const now = at("2026-11-23T01:40:00Z");
  const running = {
    Status: "running",
    Running: true,
    Paused: false,
    Restarting: false,
    ExitCode: 0,
    StartedAt: "2026-11-23T01:38:40Z",
    FinishedAt: ZERO_TIME,
  };
  assert.equal(statusText(running, now), "Up About a minute");
  assert.equal(statusText({ ...running, StartedAt: "2026-11-23T01:39:58Z" }, now), "Up 2 seconds");
  assert.equal(statusText({ ...running, Status: "paused", Paused: true }, now), "Up About a minute (Paused)");
  assert.equal(statusText({ ...running, Health: { Status: "healthy" } }, now), "Up About a minute (healthy)");
  const created = { ...running, Status: "created", Running: false, StartedAt: ZERO_TIME };
  assert.equal(statusText(created, now), "Created");
  assert.equal(statusText({ ...created, Status: "removing" }, now), "Removal In Progress");
  assert.equal(
    statusText(
      {
        ...created,
        Status: "exited",
        ExitCode: 3,
        StartedAt: "2026-11-23T01:00:00Z",
        FinishedAt: "2026-11-23T01:39:59.5Z",
      },
      now,
    ),
    "Exited (3) Less than a second ago",
  );
});

test("command text and ports", () => {
  assert.equal(commandText({ Path: "sh", Args: ["-c", "echo hi"] }), "sh -c 'echo hi'");
  assert.equal(commandText({ Path: "true", Args: [] }), "true");
  const s = containerSummary(
    inspectDoc({
      NetworkSettings: { Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }], "53/udp": null } },
    }),
  );
  assert.deepEqual(s.Ports, [
    { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
    { PrivatePort: 53, Type: "udp" },
  ]);
  assert.equal(containerSummary(inspectDoc({ SizeRootFs: 10 }), { size: true }).SizeRootFs, 10);
  assert.equal(containerSummary(inspectDoc({ SizeRootFs: 10 })).SizeRootFs, undefined);
});
