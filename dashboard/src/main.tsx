import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
