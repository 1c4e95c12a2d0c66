/** The real daemon and fake Jira, started by the shared harness (clients/testing/harness.py). */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import * as readline from "node:readline";

export const PACKAGE_DIR = path.resolve(__dirname, "../../..");
export const REPO = path.resolve(PACKAGE_DIR, "../..");

export interface TestEnv {
  socket: string;
  config: string;
  jirad: string;
  tmp: string;
  project: string;
  /** The callback URL the fake's custom app has registered. */
  redirectUri: string;
  fake: { url: string; cloudId?: string; [k: string]: unknown };
  /** XDG_* and JIRAD_* as the daemon sees them: for spawning more daemons. */
  env: Record<string, string>;
  stop: () => Promise<void>;
}

export async function startEnv(): Promise<TestEnv> {
  const python = process.env.PYTHON ?? "python3";
  const child: ChildProcess = spawn(python, [path.join(REPO, "clients/testing/harness.py")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once("line", (l) => { rl.close(); resolve(l); });
    child.once("exit", (code) => reject(new Error(`test harness exited with ${code}`)));
  });
  const info = JSON.parse(line);
  if (info.error) throw new Error(info.error);
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.stdin!.end(); // the harness stops everything when its stdin closes
  });
  return { ...info, stop };
}

/** Play the user's browser: open the authorization link and return where the fake redirects
 *  (the URL `auth/complete` takes), without following it. */
export function approve(authorizationUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(authorizationUrl, (res) => {
      res.resume();
      const location = res.headers.location;
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) resolve(location);
      else reject(new Error(`the fake answered ${res.statusCode} without a redirect`));
    }).on("error", reject);
  });
}
