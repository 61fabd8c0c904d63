/**
 * Every method of an object the host gave (own and inherited from its
 * classes, not Object's), each bound to that object, in a plain object: what
 * Parlor's wrappers of the host's interfaces start from. Bound, because a
 * method of a class with `#private` fields throws when called on anything
 * but its own instance (a wrapper made with `Object.create(impl)` would be).
 */
export function boundMethods(impl: object): Record<string, (...args: unknown[]) => unknown> {
  const methods: Record<string, (...args: unknown[]) => unknown> = {};
  for (let o: object | null = impl; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      const value = (impl as Record<string, unknown>)[key];
      if (key !== 'constructor' && typeof value === 'function' && !(key in methods)) {
        methods[key] = (value as (...args: unknown[]) => unknown).bind(impl);
      }
    }
  }
  return methods;
}
