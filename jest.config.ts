/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^rxjs-udp$': '<rootDir>/src/node/index.ts',
    '^rxjs-udp/testing$': '<rootDir>/src/testing/index.ts',
  },
  setupFilesAfterEnv: ['<rootDir>/spec/setup/no-system-resolver.ts'],
  testTimeout: 10000,
};

export default config;
