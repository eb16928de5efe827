import "server-only";
import net from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { createScramVerifier, SCRAM_MECHANISM, ScramError, ScramExchange, type ScramVerifier } from "./scram";

/**
 * Serves one PGlite database to many Postgres clients over TCP.
 *
 * Why not @electric-sql/pglite-socket's server: it queues every protocol message separately, so two
 * connections using the extended protocol interleave (A: Parse, B: Parse, A: Bind) and A's Bind hits
 * B's unnamed statement ("bind message supplies 3 parameters, but prepared statement requires 1"),
 * measured with the executor's concurrent queries. Here a connection's messages are grouped into
 * whole request batches, up to and including Sync (or a simple Query), and a batch runs as one unit.
 * PGlite has a single session, so while one connection is inside a transaction only its batches run.
 *
 * PGlite itself accepts any user and password (it answers a startup message with AuthenticationOk),
 * so this server authenticates every connection first, with SCRAM-SHA-256 like PostgreSQL, and hands
 * the startup message to PGlite only once the client has proven it knows the password
 * (docs/decisions/021). Until then no byte of the client reaches the database.
 */
const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const GSSENC_REQUEST = 80877104;
// PostgreSQL's limits before authentication: a startup packet and an auth message are small.
const MAX_STARTUP_PACKET_LENGTH = 10_000;
const MAX_AUTH_MESSAGE_LENGTH = 10_000;
// PostgreSQL's authentication_timeout.
const AUTHENTICATION_TIMEOUT_MS = 60_000;
// Backend message: Authentication (R) with these subtypes.
const AUTH_SASL = 10;
const AUTH_SASL_CONTINUE = 11;
const AUTH_SASL_FINAL = 12;
// Messages after which the client waits for the server: the end of a request batch.
const BATCH_END = new Set(["S", "Q", "H", "F", "c", "f"]);

/** "startup": waiting for the startup message; "authenticating": in the SCRAM exchange; "ready": talking to PGlite. */
type Phase = "startup" | "authenticating" | "ready";
type Connection = {
  id: number;
  socket: net.Socket;
  buffer: Buffer;
  pending: Buffer[];
  phase: Phase;
  isClosed: boolean;
  startupPacket?: Buffer;
  user?: string;
  scram?: ScramExchange;
  authTimer?: NodeJS.Timeout;
};

export type WireCredentials = { user: string; password: string };
type Batch = { connection: Connection; message: Uint8Array };

export class PgliteWireServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private queue: Batch[] = [];
  private transactionOwner: Connection | null = null;
  private isProcessing = false;
  private nextId = 1;
  private readonly verifier: ScramVerifier;

  constructor(
    private readonly db: PGlite,
    private readonly credentials: WireCredentials,
  ) {
    this.verifier = createScramVerifier(credentials.password);
    this.server = net.createServer((socket) => this.accept(socket));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  async close() {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.socket.destroy();
    await closed;
    while (this.isProcessing) await new Promise((r) => setTimeout(r, 10));
  }

  private accept(socket: net.Socket) {
    socket.setNoDelay(true);
    const connection: Connection = { id: this.nextId++, socket, buffer: Buffer.alloc(0), pending: [], phase: "startup", isClosed: false };
    this.connections.add(connection);
    connection.authTimer = setTimeout(() => socket.destroy(), AUTHENTICATION_TIMEOUT_MS);
    connection.authTimer.unref();
    socket.on("data", (chunk: Buffer) => {
      connection.buffer = Buffer.concat([connection.buffer, chunk]);
      this.frame(connection);
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => void this.disconnect(connection));
  }

  /** Splits the byte stream into messages: authentication first, then whole batches for the queue. */
  private frame(connection: Connection) {
    while (!connection.isClosed && !connection.socket.destroyed) {
      const buffer = connection.buffer;
      if (connection.phase === "startup") {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (length < 8 || length > MAX_STARTUP_PACKET_LENGTH) return this.refuse(connection, "08P01", "invalid length of startup packet");
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        const packet = Buffer.from(buffer.subarray(0, length));
        connection.buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          connection.socket.write("N");
          continue;
        }
        // Not supported; PostgreSQL also closes a cancel request's connection without a reply.
        if (code === CANCEL_REQUEST) return void connection.socket.destroy();
        this.beginAuthentication(connection, packet);
        continue;
      }
      if (buffer.length < 5) return;
      const type = String.fromCharCode(buffer[0]!);
      const total = 1 + buffer.readInt32BE(1);
      if (connection.phase === "authenticating" && (total < 5 || total > MAX_AUTH_MESSAGE_LENGTH)) {
        return this.refuse(connection, "08P01", "invalid message length during authentication");
      }
      if (buffer.length < total) return;
      const message = buffer.subarray(0, total);
      connection.buffer = buffer.subarray(total);
      if (type === "X") {
        connection.socket.end();
        continue;
      }
      if (connection.phase === "authenticating") {
        this.continueAuthentication(connection, type, Buffer.from(message.subarray(5)));
        continue;
      }
      connection.pending.push(Buffer.from(message));
      if (BATCH_END.has(type)) {
        this.enqueue(connection, Buffer.concat(connection.pending));
        connection.pending = [];
      }
    }
  }

  private beginAuthentication(connection: Connection, packet: Buffer) {
    const parameters = new Map<string, string>();
    const fields = packet.subarray(8).toString("utf8").split("\0");
    for (let i = 0; i + 1 < fields.length && fields[i] !== ""; i += 2) parameters.set(fields[i]!, fields[i + 1]!);
    const user = parameters.get("user");
    if (!user) return this.refuse(connection, "28000", "no PostgreSQL user name specified in startup packet");
    connection.user = user;
    connection.startupPacket = packet;
    connection.phase = "authenticating";
    // Any user gets the exchange, as in PostgreSQL: a wrong user and a wrong password fail alike.
    const mechanisms = Buffer.from(`${SCRAM_MECHANISM}\0\0`);
    connection.socket.write(authenticationMessage(AUTH_SASL, mechanisms));
  }

  private continueAuthentication(connection: Connection, type: string, body: Buffer) {
    const failed = () => this.refuse(connection, "28P01", `password authentication failed for user "${connection.user}"`);
    if (type !== "p") return this.refuse(connection, "08P01", `expected SASL response, got message type "${type}"`);
    try {
      if (!connection.scram) {
        // SASLInitialResponse: the mechanism's name, then the length and the client-first-message.
        const nameEnd = body.indexOf(0);
        const mechanism = body.subarray(0, Math.max(nameEnd, 0)).toString();
        if (nameEnd < 0 || mechanism !== SCRAM_MECHANISM) {
          return this.refuse(connection, "28000", "client selected an invalid SASL authentication mechanism");
        }
        const length = body.readInt32BE(nameEnd + 1);
        const clientFirst = body.subarray(nameEnd + 5, nameEnd + 5 + Math.max(length, 0)).toString();
        connection.scram = new ScramExchange(this.verifier);
        connection.socket.write(authenticationMessage(AUTH_SASL_CONTINUE, Buffer.from(connection.scram.start(clientFirst))));
        return;
      }
      const serverFinal = connection.scram.finish(body.toString());
      if (!serverFinal || connection.user !== this.credentials.user) return failed();
      connection.socket.write(authenticationMessage(AUTH_SASL_FINAL, Buffer.from(serverFinal)));
    } catch (error) {
      if (error instanceof ScramError || error instanceof RangeError) return this.refuse(connection, "08P01", error.message);
      throw error;
    }
    // Authenticated: PGlite now answers the startup message (AuthenticationOk, parameters, ReadyForQuery).
    clearTimeout(connection.authTimer);
    connection.phase = "ready";
    connection.scram = undefined;
    this.enqueue(connection, connection.startupPacket!);
    connection.startupPacket = undefined;
  }

  /** A FATAL ErrorResponse, as PostgreSQL sends before it closes a connection it will not serve. */
  private refuse(connection: Connection, sqlState: string, message: string) {
    const fields = Buffer.concat(
      [`SFATAL`, `VFATAL`, `C${sqlState}`, `M${message}`].map((field) => Buffer.from(`${field}\0`)).concat(Buffer.from([0])),
    );
    const header = Buffer.alloc(5);
    header.write("E", 0);
    header.writeInt32BE(4 + fields.length, 1);
    connection.buffer = Buffer.alloc(0);
    connection.isClosed = true;
    connection.socket.end(Buffer.concat([header, fields]), () => connection.socket.destroy());
  }

  private enqueue(connection: Connection, message: Uint8Array) {
    this.queue.push({ connection, message });
    void this.process();
  }

  private takeNext(): Batch | undefined {
    if (this.transactionOwner && this.db.isInTransaction()) {
      const index = this.queue.findIndex((b) => b.connection === this.transactionOwner);
      return index === -1 ? undefined : this.queue.splice(index, 1)[0];
    }
    this.transactionOwner = null;
    return this.queue.shift();
  }

  private async process() {
    if (this.isProcessing) return;
    this.isProcessing = true;
    try {
      for (let batch = this.takeNext(); batch; batch = this.takeNext()) {
        const { connection, message } = batch;
        if (connection.isClosed) continue;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(message, {
              onRawData: (data) => {
                if (!connection.isClosed && data.length > 0) connection.socket.write(Buffer.from(data));
              },
            }),
          );
        } catch {
          connection.socket.destroy();
        }
        if (this.db.isInTransaction()) this.transactionOwner = connection;
      }
    } finally {
      this.isProcessing = false;
    }
  }

  private async disconnect(connection: Connection) {
    connection.isClosed = true;
    clearTimeout(connection.authTimer);
    this.connections.delete(connection);
    this.queue = this.queue.filter((b) => b.connection !== connection);
    if (this.transactionOwner === connection) {
      this.transactionOwner = null;
      // A client that vanished mid-transaction must not block everyone else.
      if (this.db.isInTransaction()) await this.db.runExclusive(() => this.db.exec("ROLLBACK")).catch(() => {});
    }
    void this.process();
  }
}

/** An Authentication ('R') message of the given subtype with its data. */
function authenticationMessage(subtype: number, data: Buffer): Buffer {
  const message = Buffer.alloc(9 + data.length);
  message.write("R", 0);
  message.writeInt32BE(8 + data.length, 1);
  message.writeInt32BE(subtype, 5);
  data.copy(message, 9);
  return message;
}
