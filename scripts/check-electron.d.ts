// Types for scripts/check-electron.js (a plain script npm runs before TypeScript is built).

export function minimumNode(range: string | undefined): [number, number, number] | null;
export function nodeVersionProblem(input: {
  nodeVersion: string;
  electronVersion: string;
  engines: string | undefined;
}): string | null;
export function electronBinaryPresent(electronDir: string): boolean;
export function downloadProblem(electronVersion: string): string;
