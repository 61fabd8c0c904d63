/**
 * The SQLite write worker: a worker thread with its own connection to the
 * database file, running every write of writes.ts in group-commit batches.
 *
 * Writes that arrive while a batch commits (and fsyncs) wait in the message
 * port; the next batch takes all of them, so the busier the server, the
 * larger the batches, and the event loop that serves the sockets never waits
 * for a COMMIT. Replies go back in the order the writes came in.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchBuffer } from '../batch-buffer.js';
import { createBatchTransaction } from './batch-transaction.js';
import { openConnection } from './database.js';
import { assertStillOnDisk } from './file-health.js';
import {
  type WorkerReply,
  type WorkerRequest,
  type WriteWorkerData,
  committedReply,
  decodeWrites,
  toWireError,
} from './write-worker-protocol.js';
import { prepareWrites, runWrite, type WriteCall } from './writes.js';

const port = parentPort!;
const data = workerData as WriteWorkerData;
const db = openConnection(data.path, data.busyTimeoutMs);
const writes = prepareWrites(db);
const runBatch = createBatchTransaction(db, ([op, args]: WriteCall) => runWrite(writes, op, args));
const pending = new BatchBuffer<WriteCall>(flush, data.maxBatch);

function flush(): void {
  pending.cancel();
  while (pending.size > 0) {
    const items = pending.take();
    let reply: WorkerReply;
    try {
      // No ack for a write into a file the next start will not find (a stat of the file and one of its -wal per batch, not per write).
      assertStillOnDisk(data.file);
      reply = committedReply(runBatch(items));
    } catch (err) {
      reply = { type: 'failed', count: items.length, error: toWireError(err) };
    }
    port.postMessage(reply);
  }
}

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'write') {
    pending.addAll(decodeWrites(request));
    return;
  }
  // close: everything sent before it is already in `pending` (the port keeps order).
  flush();
  db.close();
  port.close();
});
