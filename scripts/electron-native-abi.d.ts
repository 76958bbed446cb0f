// Types for scripts/electron-native-abi.js (a plain script npm runs before TypeScript is built).

export interface WantedBuild {
  electron: string;
  betterSqlite3: string;
  abi: number;
  platform: string;
  arch: string;
}

export type AbiCheck = { ok: true; abi: number } | { ok: false; abi: number | null; message: string };

export function moduleVersionOf(binary: Buffer | string): number | null;
export function electronAbiOf(electronDir: string): number;
export function checkAbi(input: {
  file: string;
  binary: Buffer | string;
  expectedAbi: number;
  electronVersion: string;
}): AbiCheck;
export function wantedBuild(input: {
  electronVersion: string;
  betterSqlite3Version: string;
  abi: number;
  platform: string;
  arch: string;
}): WantedBuild;
export function builtCopyState(input: {
  file: string;
  binary: Buffer | null;
  stampText: string | null;
  wanted: WantedBuild;
}): { upToDate: boolean; reason: string };
export function buildEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
