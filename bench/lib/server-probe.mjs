// Preloaded (`node --expose-gc --import server-probe.mjs server.js`) into every
// server under test, the references and Parlor alike, so memory is read the
// same way for all three without touching their code:
//  - {probe: 'memory'} over IPC -> a full GC, then process.memoryUsage();
//  - the IPC channel closing (the benchmark died, even by SIGKILL) -> exit.
// The channel is unref'd: it never keeps a server alive on its own.

if (process.send) {
  process.channel?.unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg) => {
    if (!msg || msg.probe !== 'memory') return;
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const m = process.memoryUsage();
    process.send({ probe: 'memory', id: msg.id, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: typeof globalThis.gc === 'function' });
  });
}
