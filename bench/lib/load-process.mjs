// The parent's side of a load process (bench/load.mjs): spawn it, send it
// commands, await their answers.

import { fileURLToPath } from 'node:url';
import { spawnNode, stopChild } from './children.mjs';

const LOAD = fileURLToPath(new URL('../load.mjs', import.meta.url));

export async function startLoad(name) {
  const child = spawnNode(name, LOAD, [], { ipc: true, inheritStderr: true, role: 'load' });
  const pending = new Map();
  let nextId = 1;
  await new Promise((resolve, reject) => {
    const onMsg = (m) => {
      if (m?.ready) {
        child.off('message', onMsg);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code) => reject(new Error(`${name} exited with ${code} during start`));
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
  child.on('message', (m) => {
    const p = pending.get(m?.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${name}: ${m.error}`));
  });
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${name} exited (${code ?? signal}) during a command`));
    pending.clear();
  });
  return {
    name,
    pid: child.pid,
    call(cmd, args = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, ...args });
      });
    },
    stop() {
      if (child.connected) child.disconnect();
      return stopChild(child, 2000);
    },
  };
}
