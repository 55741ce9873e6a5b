import type { OwnerSystem } from '@persistd/contract';
import { itemModule } from '@persistd/item';
import { npcModule } from '@persistd/npc';
import { OWNER_SYSTEMS, type OwnerEntry, type OwnerModule } from '@persistd/ownership';
import { playerModule } from '@persistd/player';
import { questModule } from '@persistd/quest';
import { worldModule } from '@persistd/world';
import { compileModules, type CompiledModule } from './rules/compiled-module';

/** Every owner module with its registry entry, in restore order: the one list validation walks. */
export const OWNER_MODULES: readonly { entry: OwnerEntry; module: OwnerModule }[] = OWNER_SYSTEMS.map((entry) => {
  const module = [playerModule, worldModule, npcModule, itemModule, questModule].find((m) => m.system === entry.system) as OwnerModule | undefined;
  if (!module) throw new Error(`validation: no owner module for ${entry.name}`);
  return { entry, module };
});

/**
 * The same modules compiled against the descriptors, in restore order: each section's fields and
 * message types, the id reader and every path. The one layout the rules, the stored form and the
 * wire reader all read.
 */
export const COMPILED_MODULES: readonly CompiledModule[] = compileModules(OWNER_MODULES.map((m) => m.module));

/** The module of one system. */
export function moduleOf(system: OwnerSystem): OwnerModule {
  const found = OWNER_MODULES.find((m) => m.entry.system === system);
  if (!found) throw new Error(`validation: ${system} is not an owner system`);
  return found.module;
}
