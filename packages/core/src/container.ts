import 'reflect-metadata';
import { Container, ContainerModule } from 'inversify';
import { EventBus } from './events.js';
import { Experiment, ExperimentOptions } from './experiment.js';
import { InMemoryTrialStore, TrialStore } from './trial-store.js';

/**
 * A container with the core's defaults bound (an in-memory {@link TrialStore}, an
 * {@link EventBus}, the {@link Experiment}) and the given options, then the given plugin
 * modules loaded. A module may rebind any default, for example a persistent store.
 *
 * @example
 * ```ts
 * import { createContainer, Experiment } from '@autonas/core';
 * const container = createContainer({ maxTrials: 3 });
 * console.log(container.isBound(Experiment)); // true
 * ```
 */
export function createContainer(options: ExperimentOptions, ...modules: ContainerModule[]): Container {
  const container = new Container();
  container.bind<ExperimentOptions>(ExperimentOptions).toConstantValue(options);
  container.bind<TrialStore>(TrialStore).toConstantValue(new InMemoryTrialStore());
  container.bind<EventBus>(EventBus).toConstantValue(new EventBus());
  container.bind(Experiment).toSelf().inSingletonScope();
  container.load(...modules);
  return container;
}

export { Container, ContainerModule };
