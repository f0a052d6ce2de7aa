// A browser app that imports the installed package through a bundler.
import { setBackend, tensor } from 'shadergrad';

const info = await setBackend('webgpu', { fallback: true });
document.body.textContent = `${info.name}: ${await tensor([1, 2, 3]).sum().item()}`;
