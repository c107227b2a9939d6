import { randomInt } from "node:crypto";
import type { Reservation } from "./request.ts";

/**
 * Placement strategies, weighted as classic Swarm weighed nodes: a node scores the share of its CPUs
 * and memory that would be reserved with the new container (100 each when the container asks for
 * none); a node too small for the request, or that would pass 100 %, is out.
 * - spread: the lowest score, then the fewest containers (so equal nodes fill evenly);
 * - binpack: the highest score, then the most containers (fill one node before the next);
 * - random: any node that fits.
 */
export const strategyNames = ["spread", "binpack", "random"] as const;
export type StrategyName = (typeof strategyNames)[number];

/** What a strategy reads of a node. */
export interface Capacity {
  name: string;
  totalCpus: number;
  totalMemory: number;
  usedCpus: number;
  usedMemory: number;
  /** How many containers it holds (tie-breaks). */
  load: number;
}

export interface Weighted<N> {
  node: N;
  weight: number;
}

/** Score the nodes that can take `want`; the rest are returned as `tooSmall`. */
export function weigh<N extends Capacity>(
  nodes: readonly N[],
  want: Reservation,
): { fit: Weighted<N>[]; tooSmall: N[] } {
  const fit: Weighted<N>[] = [];
  const tooSmall: N[] = [];
  for (const node of nodes) {
    let cpuScore = 100;
    let memScore = 100;
    if (want.cpus > 0)
      cpuScore = node.totalCpus > 0 ? ((node.usedCpus + want.cpus) * 100) / node.totalCpus : Infinity;
    if (want.memory > 0)
      memScore = node.totalMemory > 0 ? ((node.usedMemory + want.memory) * 100) / node.totalMemory : Infinity;
    if (cpuScore <= 100 && memScore <= 100) fit.push({ node, weight: cpuScore + memScore });
    else tooSmall.push(node);
  }
  return { fit, tooSmall };
}

/** Pick one node among those that fit. Ties keep command-line order, so placement is predictable. */
export function pick<N extends Capacity>(strategy: StrategyName, fit: readonly Weighted<N>[]): N | undefined {
  if (fit.length === 0) return undefined;
  if (strategy === "random") return fit[randomInt(fit.length)]!.node;
  let best = fit[0]!;
  for (let i = 1; i < fit.length; i++) {
    const c = fit[i]!;
    if (strategy === "spread") {
      if (c.weight < best.weight || (c.weight === best.weight && c.node.load < best.node.load)) best = c;
    } else if (c.weight > best.weight || (c.weight === best.weight && c.node.load > best.node.load)) {
      best = c;
    }
  }
  return best.node;
}
