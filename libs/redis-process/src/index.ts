/** Local redis-server processes: the test kit's private servers and the daemon's development Redis. */
export * from './port-answers';
export * from './launch-redis-server';
export * from './parent-watch';
export * from './process-runs';
