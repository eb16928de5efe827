/**
 * Deterministic synthetic memories for the memory benchmark (bench/memory.ts): "embedding-like" unit
 * vectors in 1536 dimensions, the agents that own them, and new query vectors drawn from an agent's
 * topics. Everything comes from a seeded PRNG, so the same seed gives the same rows on any machine,
 * and row i is the same whatever the total number of rows (a 300k table begins with the 100k one).
 *
 * The distribution (a Gaussian mixture on the unit sphere with a low-dimensional spread per topic):
 *
 * - TOPICS topic centres c_t, uniformly random unit vectors (random directions in 1536 dimensions are
 *   nearly orthogonal: cosine similarity ≈ 0 ± 0.026).
 * - Each topic has LOCAL_DIMS random unit directions b_t1 … b_tk of its own: the ways memories on that
 *   topic differ from one another. Real text embeddings vary along few directions locally; without
 *   them (isotropic noise only) every pair in a topic would be at almost the same distance and "the 10
 *   nearest" would be an arbitrary choice among hundreds of near-ties.
 * - A vector on topic t is normalize(c_t + Σ_j z_j b_tj + s·g): z_j ~ N(0, TOPIC_SPREAD / k) (so the
 *   within-topic part has squared norm ≈ TOPIC_SPREAD) and g ~ N(0, I/1536) scaled by s² = NOISE
 *   (isotropic noise of squared norm ≈ NOISE, the part of a text's embedding no other text shares).
 * - Cosine similarity of two vectors on the same topic ≈ (1 + z·z') / (1 + TOPIC_SPREAD + NOISE):
 *   about 0.58 on average (5th–95th percentile ≈ 0.40–0.73, the closest pairs ≈ 0.85); unrelated
 *   vectors ≈ 0 ± 0.03 (`describeDistribution` measures it for the results file).
 * - Agents: one large agent (LARGE_SHARE of all rows), TYPICAL_AGENTS typical agents with TYPICAL_SHARE
 *   each, and the rest ("filler") spread over FILLER_AGENTS agents. Rows are interleaved in insertion
 *   order as agents running side by side would write them, so every prefix of the table has the same
 *   shares. Each agent draws its rows uniformly from its own TOPICS_PER_AGENT topics (chosen at random,
 *   so agents share topics now and then, as they would in one deployment).
 * - Kinds: 70 % episode, 20 % fact, 5 % summary, 5 % reflection; importance uniform in [0.1, 0.9].
 */

export const DIMENSIONS = 1536;
export const TOPICS = 2_000;
export const TOPICS_PER_AGENT = 50;
export const LOCAL_DIMS = 16;
export const TOPIC_SPREAD = 0.6;
export const NOISE = 0.15;
export const DEFAULT_SEED = 20261125;

/** Out of every 100 rows: 10 to the large agent, 1 to each typical agent, the rest to filler agents. */
export const LARGE_SHARE = 0.1;
export const TYPICAL_SHARE = 0.01;
export const TYPICAL_AGENTS = 40;
export const FILLER_AGENTS = 100;
export const AGENT_COUNT = 1 + TYPICAL_AGENTS + FILLER_AGENTS;
const BLOCK = 100;
const LARGE_PER_BLOCK = LARGE_SHARE * BLOCK;
const FILLER_PER_BLOCK = BLOCK - LARGE_PER_BLOCK - TYPICAL_AGENTS;

export type AgentRole = "large" | "typical" | "filler";
export type AgentSpec = { index: number; id: string; name: string; role: AgentRole; topics: number[] };
export type MemoryKind = "episode" | "fact" | "summary" | "reflection";
export type SyntheticRow = {
  index: number;
  agent: number;
  topic: number;
  kind: MemoryKind;
  importance: number;
  content: string;
  vector: Float32Array;
};

// ---------------------------------------------------------------------------------------------
// PRNG: splitmix32 to derive seeds, sfc32 for the streams, Box–Muller for normal deviates.
// ---------------------------------------------------------------------------------------------

function splitmix32(state: number) {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seed for stream (`kind`, `a`, `b`) of `seed`: independent streams for topics, rows, queries, … */
export function streamSeed(seed: number, kind: number, a = 0, b = 0) {
  return splitmix32(splitmix32(splitmix32(splitmix32(seed) ^ kind) ^ a) ^ b);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.a = splitmix32(seed);
    this.b = splitmix32(this.a);
    this.c = splitmix32(this.b);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next() {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number) {
    return Math.floor(this.next() * n);
  }

  /** Standard normal deviate (Box–Muller, both halves used). */
  normal() {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.next(); // (0, 1]
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

const STREAM = { topic: 1, agent: 2, row: 3, query: 4, agentId: 5 } as const;

// ---------------------------------------------------------------------------------------------
// Vectors.
// ---------------------------------------------------------------------------------------------

function normalize(v: Float32Array) {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}

function randomUnit(rng: Rng, dims = DIMENSIONS) {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = rng.normal();
  return normalize(v);
}

export function dot(a: Float32Array, b: Float32Array) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * The deployment: agents and their topics, topic centres and directions, and the rows and queries.
 * Topic data (centre + LOCAL_DIMS directions, 68 KiB a topic) is made on first use and kept.
 */
export class SyntheticMemories {
  readonly seed: number;
  readonly agents: AgentSpec[];
  private readonly topics = new Map<number, Float32Array>();

  constructor(seed = DEFAULT_SEED) {
    this.seed = seed;
    this.agents = [];
    for (let a = 0; a < AGENT_COUNT; a++) {
      const rng = new Rng(streamSeed(seed, STREAM.agent, a));
      const topics = new Set<number>();
      while (topics.size < TOPICS_PER_AGENT) topics.add(rng.int(TOPICS));
      const role: AgentRole = a === 0 ? "large" : a <= TYPICAL_AGENTS ? "typical" : "filler";
      this.agents.push({
        index: a,
        id: uuidFrom(new Rng(streamSeed(seed, STREAM.agentId, a))),
        name: role === "large" ? "Large bench agent" : `${role === "typical" ? "Typical" : "Filler"} bench agent ${a}`,
        role,
        topics: [...topics],
      });
    }
  }

  get large() {
    return this.agents[0]!;
  }

  /** The first typical agent (all typical agents hold the same share). */
  get typical() {
    return this.agents[1]!;
  }

  /** Which agent row `index` belongs to (LARGE_SHARE, TYPICAL_SHARE each, the rest filler; interleaved). */
  static agentOfRow(index: number) {
    const r = index % BLOCK;
    if (r < LARGE_PER_BLOCK) return 0;
    if (r < LARGE_PER_BLOCK + TYPICAL_AGENTS) return 1 + (r - LARGE_PER_BLOCK);
    // Filler agents take turns across blocks so each gets the same share over many blocks.
    const block = Math.floor(index / BLOCK);
    return 1 + TYPICAL_AGENTS + ((block * FILLER_PER_BLOCK + (r - LARGE_PER_BLOCK - TYPICAL_AGENTS)) % FILLER_AGENTS);
  }

  /** Centre (first DIMENSIONS floats) and LOCAL_DIMS unit directions of topic `t`. */
  private topic(t: number) {
    let data = this.topics.get(t);
    if (!data) {
      const rng = new Rng(streamSeed(this.seed, STREAM.topic, t));
      data = new Float32Array(DIMENSIONS * (1 + LOCAL_DIMS));
      for (let j = 0; j <= LOCAL_DIMS; j++) data.set(randomUnit(rng), j * DIMENSIONS);
      this.topics.set(t, data);
    }
    return data;
  }

  /** normalize(c_t + Σ z_j b_tj + s·g) with the deviates drawn from `rng`. */
  private vectorOnTopic(t: number, rng: Rng) {
    const data = this.topic(t);
    const v = new Float32Array(DIMENSIONS);
    const noise = Math.sqrt(NOISE / DIMENSIONS);
    for (let i = 0; i < DIMENSIONS; i++) v[i] = data[i]! + noise * rng.normal();
    const spread = Math.sqrt(TOPIC_SPREAD / LOCAL_DIMS);
    for (let j = 1; j <= LOCAL_DIMS; j++) {
      const z = spread * rng.normal();
      const offset = j * DIMENSIONS;
      for (let i = 0; i < DIMENSIONS; i++) v[i] = v[i]! + z * data[offset + i]!;
    }
    return normalize(v);
  }

  /** Row `index` of the table (the same row whatever the table's size). */
  row(index: number): SyntheticRow {
    const agent = SyntheticMemories.agentOfRow(index);
    const rng = new Rng(streamSeed(this.seed, STREAM.row, index));
    const spec = this.agents[agent]!;
    const topic = spec.topics[rng.int(spec.topics.length)]!;
    const k = rng.next();
    const kind: MemoryKind = k < 0.7 ? "episode" : k < 0.9 ? "fact" : k < 0.95 ? "summary" : "reflection";
    const importance = Math.round((0.1 + 0.8 * rng.next()) * 1000) / 1000;
    const vector = this.vectorOnTopic(topic, rng);
    return { index, agent, topic, kind, importance, content: `synthetic ${kind} #${index} of agent ${agent} on topic ${topic}`, vector };
  }

  /** Query `j` for agent `agent`: a new vector (not a row) from one of the agent's topics. */
  query(agent: number, j: number) {
    const rng = new Rng(streamSeed(this.seed, STREAM.query, agent, j));
    const spec = this.agents[agent]!;
    const topic = spec.topics[rng.int(spec.topics.length)]!;
    return { topic, vector: this.vectorOnTopic(topic, rng) };
  }

  /** Sample statistics of the distribution (cosine similarities), for the results file. */
  describeDistribution(samples = 2_000) {
    const rng = new Rng(streamSeed(this.seed, 99));
    const same: number[] = [];
    const unrelated: number[] = [];
    const nearest: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = rng.int(TOPICS);
      let u = rng.int(TOPICS);
      if (u === t) u = (u + 1) % TOPICS;
      const a = this.vectorOnTopic(t, rng);
      same.push(dot(a, this.vectorOnTopic(t, rng)));
      unrelated.push(dot(a, this.vectorOnTopic(u, rng)));
    }
    // The nearest of 200 same-topic vectors (the large agent's rows per topic at 100k): how close "close" is.
    for (let i = 0; i < 50; i++) {
      const t = rng.int(TOPICS);
      const q = this.vectorOnTopic(t, rng);
      let best = -1;
      for (let j = 0; j < 200; j++) best = Math.max(best, dot(q, this.vectorOnTopic(t, rng)));
      nearest.push(best);
    }
    const stats = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y);
      const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
      const mean = xs.reduce((x, y) => x + y, 0) / xs.length;
      return { mean, p5: q(0.05), p50: q(0.5), p95: q(0.95), min: s[0]!, max: s.at(-1)! };
    };
    return { sameTopic: stats(same), unrelated: stats(unrelated), nearestOf200SameTopic: stats(nearest) };
  }
}

/** A version-4-shaped UUID from the PRNG. */
function uuidFrom(rng: Rng) {
  const hex = Array.from({ length: 4 }, () => rng.nextUint32().toString(16).padStart(8, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// pgvector text literals, fast: fixed 7 decimals (absolute error ≤ 5e-8, about 5–6 significant digits
// for the components of a 1536-dimensional unit vector, which are ~0.025 in size), trailing zeros cut.
// ---------------------------------------------------------------------------------------------

const literalBuffer = Buffer.alloc(DIMENSIONS * 12 + 2);

export function vectorLiteral(v: Float32Array) {
  const out = v.length * 12 + 2 <= literalBuffer.length ? literalBuffer : Buffer.alloc(v.length * 12 + 2);
  let p = 0;
  out[p++] = 0x5b; // [
  for (let i = 0; i < v.length; i++) {
    if (i > 0) out[p++] = 0x2c; // ,
    let scaled = Math.round(v[i]! * 1e7);
    if (scaled < 0) {
      out[p++] = 0x2d; // -
      scaled = -scaled;
    }
    let frac = scaled % 1e7;
    const whole = (scaled - frac) / 1e7;
    if (whole === 0) out[p++] = 0x30;
    else {
      // A unit vector's components are at most 1, but stay general.
      const digits = String(whole);
      for (let d = 0; d < digits.length; d++) out[p++] = digits.charCodeAt(d);
    }
    if (frac > 0) {
      out[p++] = 0x2e; // .
      frac |= 0;
      let width = 7;
      while (frac % 10 === 0) {
        frac = (frac / 10) | 0;
        width--;
      }
      for (let d = width - 1; d >= 0; d--) {
        const rest = (frac / 10) | 0;
        out[p + d] = 0x30 + frac - rest * 10;
        frac = rest;
      }
      p += width;
    }
  }
  out[p++] = 0x5d; // ]
  return out.toString("latin1", 0, p);
}
