// `npm run bench`'s report: the check of a result (bench/results/latest.json) and its
// printed table. Plain JavaScript so that run.mjs and the unit tests import it as it is.
export const PEERS = ['tfjs', 'jax'];
const PEER_TITLES = { tfjs: 'TF.js', jax: 'jax-js' };

/**
 * What is wrong with a result (nothing: []): its shape, a peer figure without a note saying
 * why it is missing, and any peer whose results differ from ours. requirePeers: every row
 * must have every peer's figure (--smoke in a browser, --require-peer).
 */
export function schemaErrors(r, { requirePeers = false } = {}) {
  const errs = [];
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (typeof r?.adapter !== 'string' || r.adapter.length === 0) errs.push('adapter: a non-empty string');
  if (typeof r?.date !== 'string' || Number.isNaN(Date.parse(r.date))) errs.push('date: an ISO date');
  if (r?.floors !== undefined && !(isNum(r.floors.submitMs) && isNum(r.floors.readbackMs) && Number.isInteger(r.floors.reps))) errs.push('floors: {submitMs, readbackMs} positive numbers and an integer reps');
  if (!Array.isArray(r?.rows) || r.rows.length === 0) return [...errs, 'rows: a non-empty array'];
  for (const row of r.rows) {
    const at = `row ${JSON.stringify(row?.name)}`;
    if (typeof row.name !== 'string' || !/^(cpu\/)?(matmul|train_step|mnist_epoch)_/.test(row.name)) errs.push(`${at}: name must start with matmul_, train_step_ or mnist_epoch_ (cpu/ for CPU rows)`);
    if (!isNum(row.ours)) errs.push(`${at}: ours must be a positive number, got ${row.ours}`);
    if (typeof row.peers !== 'object' || row.peers === null) {
      errs.push(`${at}: peers must be { ${PEERS.join(', ')} }`);
      continue;
    }
    for (const p of PEERS) {
      const v = row.peers[p];
      if (v !== null && !isNum(v)) errs.push(`${at}: peers.${p} must be a positive number or null, got ${v}`);
      if (v === null && typeof row.peerNotes?.[p] !== 'string') errs.push(`${at}: peers.${p} is null without a note (peerNotes.${p}) saying why`);
      const a = row.agreement?.[p];
      if (v !== null && (typeof a?.ok !== 'boolean' || typeof a?.detail !== 'string')) errs.push(`${at}: peers.${p} ran, so agreement.${p} must be {ok, detail}`);
      if (a && !a.ok !== (row.differs ?? []).includes(p)) errs.push(`${at}: differs must list exactly the peers whose agreement is not ok`);
    }
    if (!Array.isArray(row.differs)) errs.push(`${at}: differs must be an array`);
    else for (const p of row.differs) errs.push(`${at}: ${PEER_TITLES[p] ?? p}'s results differ from ours: ${row.agreement?.[p]?.detail}`);
    if (!['GFLOP/s', 'steps/s', 's'].includes(row.unit)) errs.push(`${at}: unit ${row.unit}`);
    if (typeof row.higherIsBetter !== 'boolean') errs.push(`${at}: higherIsBetter must be a boolean`);
    for (const k of ['dispatchesPerStep', 'submitsPerStep', 'oursKernel', 'oursMsPerRep']) if (k in row && !isNum(row[k])) errs.push(`${at}: ${k} must be a positive number`);
    for (const [p, v] of Object.entries(row.peerKernels ?? {})) if (!isNum(v)) errs.push(`${at}: peerKernels.${p} must be a positive number`);
  }
  for (const prefix of ['matmul_', 'train_step_', 'mnist_epoch_', 'cpu/matmul_', 'cpu/train_step_', 'cpu/mnist_epoch_']) {
    if (!r.rows.some((row) => row.name.startsWith(prefix))) errs.push(`no ${prefix} row`);
  }
  // --smoke checks that the peers run and agree at toy sizes; --require-peer asks the same of a real run.
  if (requirePeers) {
    for (const row of r.rows) for (const p of PEERS) if (row.peers?.[p] === null) errs.push(`row ${row.name}: no ${PEER_TITLES[p]} figure (${row.peerNotes?.[p]})`);
  }
  return errs;
}

/** The markdown table, then why figures are missing, which results differ, and the notes. */
export function table(r) {
  const f = (v) => (v === null || v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const lines = [
    `shadergrad vs TensorFlow.js and jax-js on ${r.adapter} (${r.mode}, ${r.date})`,
    '',
    '| row | shadergrad | TF.js | jax-js | unit | ours / TF.js | ours / jax-js | results | kernels only: ours / TF.js | dispatches/step | submits/step |',
    '|---|---:|---:|---:|---|---:|---:|---|---:|---:|---:|',
  ];
  for (const row of r.rows) {
    const ratio = (p) => {
      const v = row.peers[p];
      if (v === null) return '-';
      // A peer that computed something else is not slower or faster: say so instead.
      if (row.differs.includes(p)) return '**differs**';
      return `${(row.higherIsBetter ? row.ours / v : v / row.ours).toFixed(2)}x`;
    };
    const compared = PEERS.filter((p) => row.agreement[p]);
    const results = compared.length === 0 ? '-' : row.differs.length > 0 ? `**${row.differs.map((p) => PEER_TITLES[p]).join(', ')} differ**` : 'agree';
    const tk = row.peerKernels?.tfjs;
    const kernels = row.oursKernel !== undefined || tk !== undefined ? `${f(row.oursKernel)} / ${f(tk)}` : '-';
    lines.push(`| ${row.name} | ${f(row.ours)} | ${f(row.peers.tfjs)} | ${f(row.peers.jax)} | ${row.unit} | ${ratio('tfjs')} | ${ratio('jax')} | ${results} | ${kernels} | ${f(row.dispatchesPerStep)} | ${f(row.submitsPerStep)} |`);
  }
  const why = new Map();
  for (const row of r.rows) for (const p of PEERS) if (row.peers[p] === null && row.peerNotes?.[p]) why.set(`${PEER_TITLES[p]}: ${row.peerNotes[p]}`, (why.get(`${PEER_TITLES[p]}: ${row.peerNotes[p]}`) ?? 0) + 1);
  for (const [w, n] of why) lines.push('', `no figure on ${n} row(s): ${w}`);
  for (const row of r.rows) for (const p of row.differs) lines.push('', `${row.name}: ${PEER_TITLES[p]} differs: ${row.agreement[p].detail}`);
  for (const n of r.notes ?? []) lines.push('', `note: ${n}`);
  return lines.join('\n');
}
