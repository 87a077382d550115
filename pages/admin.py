import streamlit as st
st.title('Admin')
