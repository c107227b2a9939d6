/**
 * The Swarm section of GET /info for a node that is not in a swarm-mode cluster: what a
 * standalone engine reports (trace §2.2). A fresh object each call, so no caller can alter
 * another's reply.
 */
export function swarmInactive() {
  return {
    NodeID: "",
    NodeAddr: "",
    LocalNodeState: "inactive",
    ControlAvailable: false,
    Error: "",
    RemoteManagers: null,
  };
}
