// Renderer entry: mounts the Svelte 5 app. The renderer never touches Node; it talks only through the contract.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('Missing #app element');
mount(App, { target });
