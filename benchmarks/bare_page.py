"""The floor for `bench_browser.py`: a bare Streamlit page with one plotly line chart and nothing else.

Run by the benchmark with the app's own flags (`streamlit run benchmarks/bare_page.py --server.headless
true --server.address 127.0.0.1 --browser.gatherUsageStats false`, from the project root, so the same
.streamlit/config.toml applies). Whatever it takes to load this page is Streamlit's and the browser's
own cost: the HTML and JavaScript bundle, the websocket, one script run and one plotly draw.
"""

import math

import plotly.graph_objects as go
import streamlit as st

POINTS = 60
x = list(range(POINTS))
fig = go.Figure(go.Scatter(x=x, y=[100 + 20 * math.sin(i / 6) + i for i in x], mode="lines"))
st.plotly_chart(fig)
