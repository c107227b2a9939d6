import { isSameProcess, signalPid, signalTree } from "./proctree.ts";
import { signalNumber } from "./signals.ts";
import type { ContainerRecord } from "./state.ts";
import type { ExitInfo, Supervised } from "./supervisor.ts";

/** A process that outlived a swarmd restart: signalled and watched by PID, its output is lost. */
export function adopt(rec: ContainerRecord, onExit: (info: ExitInfo) => void): Supervised {
  let lastSignal: NodeJS.Signals | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    const timer = setInterval(() => {
      if (isSameProcess(rec.state.Pid, rec.startTime)) return;
      clearInterval(timer);
      // As for a child of ours: nothing of the container outlives its program.
      signalPid(-rec.leaderPid, "SIGKILL");
      // Not our child: its status is not ours to read. A signal we sent is the likely cause.
      const info: ExitInfo = {
        exitCode: lastSignal ? 128 + signalNumber(lastSignal) : 255,
        signal: lastSignal ?? null,
      };
      onExit(info);
      resolve(info);
    }, 200);
  });
  return {
    leader: rec.leaderPid,
    pid: rec.state.Pid,
    startTime: rec.startTime,
    write: async () => {},
    endInput: () => {},
    resize: () => {},
    resume: () => {},
    signal: (sig) => {
      lastSignal = sig;
      signalPid(rec.state.Pid, sig);
    },
    signalAll: (sig) => {
      lastSignal = sig;
      signalTree(rec.leaderPid, sig);
      signalTree(rec.state.Pid, sig);
    },
    exited,
  };
}
