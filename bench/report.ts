/** One line of the results table. */
export interface Row {
  section: string;
  name: string;
  value: string;
  detail?: string;
}

export interface Target {
  name: string;
  /** Null when a figure it needs could not be measured. */
  pass: boolean | null;
  detail: string;
}

export function formatRate(perSecond: number, unit: string): string {
  return `${Math.round(perSecond).toLocaleString('en-US')} ${unit}`;
}

export function formatMb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}

export function renderTable(rows: readonly Row[], targets: readonly Target[]): string {
  const lines: string[] = [];
  const width = (pick: (r: Row) => string) => Math.max(...rows.map((r) => pick(r).length), 0);
  const wSection = width((r) => r.section);
  const wName = width((r) => r.name);
  const wValue = width((r) => r.value);
  lines.push('');
  lines.push(
    `${'Area'.padEnd(wSection)}  ${'Measurement'.padEnd(wName)}  ${'Figure'.padStart(wValue)}  Detail`,
  );
  lines.push('-'.repeat(wSection + wName + wValue + 6 + 40));
  for (const r of rows) {
    lines.push(
      `${r.section.padEnd(wSection)}  ${r.name.padEnd(wName)}  ${r.value.padStart(wValue)}  ${r.detail ?? ''}`,
    );
  }
  if (targets.length > 0) {
    lines.push('');
    lines.push('Targets');
    lines.push('-------');
    const wTarget = Math.max(...targets.map((t) => t.name.length));
    for (const t of targets) {
      const verdict = t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL';
      lines.push(`${verdict}  ${t.name.padEnd(wTarget)}  ${t.detail}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
