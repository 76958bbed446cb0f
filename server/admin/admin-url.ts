/**
 * The admin listener's default port and the line headless mode prints, apart from the
 * listener itself (http-transport.ts, which loads Express), so that `foxden serve` can parse
 * its flags and print its start lines without loading the server's modules before it has
 * tuned the V8 heap (cli/serve.ts).
 */
export const DEFAULT_ADMIN_PORT = 8174;

/** The line headless mode prints: `admin: http://127.0.0.1:<port>/#token=<token>`. */
export function adminUrlLine(admin: { dashboardUrl: string }): string {
  return `admin: ${admin.dashboardUrl}`;
}
