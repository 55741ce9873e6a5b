import { compilePath } from './field-path';
import type { OwnerModule } from './owner-module';
import { ownerEntry } from './registry';

/**
 * Checks an owner module against the generated descriptors: every path it names exists, its id
 * carries the `id` rule, and it references only registered systems. Throws, naming what is wrong;
 * validation calls it at load, so a bad module stops the daemon before it serves.
 */
export function checkOwnerModule(module: OwnerModule): void {
  const where = `owner module ${module.record.typeName}`;
  ownerEntry(module.system);
  const paths = [module.idPath, ...module.references.map((r) => r.path), ...module.fieldRules.map((r) => r.path), ...module.claims.flatMap((c) => c.paths)];
  if (module.acyclic) paths.push(module.acyclic);
  for (const p of paths) {
    try {
      compilePath(module.record, p);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }
  if (!module.fieldRules.some((r) => r.kind === 'id' && r.path.join('.') === module.idPath.join('.'))) {
    throw new Error(`${where}: its id ${module.idPath.join('.')} has no 'id' field rule`);
  }
  for (const r of module.references) {
    try {
      ownerEntry(r.target);
    } catch {
      throw new Error(`${where}: reference ${r.path.join('.')} targets ${r.target}, which is not an owner system`);
    }
  }
}
