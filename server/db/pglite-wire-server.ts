import net from "node:net";
import type { PGlite } from "@electric-sql/pglite";

/**
 * Serves one PGlite database to many Postgres clients over TCP.
 *
 * Why not @electric-sql/pglite-socket's server: it queues every protocol message separately, so two
 * connections using the extended protocol interleave (A: Parse, B: Parse, A: Bind) and A's Bind hits
 * B's unnamed statement ("bind message supplies 3 parameters, but prepared statement requires 1"),
 * measured with the executor's concurrent queries. Here a connection's messages are grouped into
 * whole request batches, up to and including Sync (or a simple Query), and a batch runs as one unit.
 * PGlite has a single session, so while one connection is inside a transaction only its batches run.
 */
const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const GSSENC_REQUEST = 80877104;
// Messages after which the client waits for the server: the end of a request batch.
const BATCH_END = new Set(["S", "Q", "H", "F", "c", "f"]);

type Connection = { id: number; socket: net.Socket; buffer: Buffer; pending: Buffer[]; isStarted: boolean; isClosed: boolean };
type Batch = { connection: Connection; message: Uint8Array };

export class PgliteWireServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private queue: Batch[] = [];
  private transactionOwner: Connection | null = null;
  private isProcessing = false;
  private nextId = 1;

  constructor(private readonly db: PGlite) {
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
    const connection: Connection = { id: this.nextId++, socket, buffer: Buffer.alloc(0), pending: [], isStarted: false, isClosed: false };
    this.connections.add(connection);
    socket.on("data", (chunk: Buffer) => {
      connection.buffer = Buffer.concat([connection.buffer, chunk]);
      this.frame(connection);
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => void this.disconnect(connection));
  }

  /** Splits the byte stream into messages and hands whole batches to the queue. */
  private frame(connection: Connection) {
    for (;;) {
      const buffer = connection.buffer;
      if (!connection.isStarted) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (buffer.length < length) return;
        connection.buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          connection.socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST) continue; // not supported; the query simply finishes
        connection.isStarted = true;
        this.enqueue(connection, buffer.subarray(0, length));
        continue;
      }
      if (buffer.length < 5) return;
      const type = String.fromCharCode(buffer[0]!);
      const total = 1 + buffer.readInt32BE(1);
      if (buffer.length < total) return;
      const message = buffer.subarray(0, total);
      connection.buffer = buffer.subarray(total);
      if (type === "X") {
        connection.socket.end();
        continue;
      }
      connection.pending.push(Buffer.from(message));
      if (BATCH_END.has(type)) {
        this.enqueue(connection, Buffer.concat(connection.pending));
        connection.pending = [];
      }
    }
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
