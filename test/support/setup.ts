import 'reflect-metadata';
import './write-worker-bundle.js';
